/**
 * The scripted LLM server in a process of its own, as a real endpoint would be: the workflow's
 * CPU work (PGlite runs on the main thread) then cannot delay the server's answers, and the
 * server's work cannot delay the workflow. Protocol on stdio, one JSON line each:
 *   stdout at start: {"baseURL": "..."}
 *   stdin "requests" → stdout {"requests": [{"kind", "receivedAt"}]};  stdin "reset" → {"ok": true}
 */
import readline from 'node:readline';
import { answerWell, detectPromptKind } from '../../test/support/openai-answers.js';
import { startScriptedOpenAI } from '../../test/support/scripted-openai-server.js';

const latencyMs = Number(process.argv[2] ?? 200);
const server = await startScriptedOpenAI({ latencyMs, defaultChat: answerWell });
process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === 'requests') {
    const requests = server.chatRequests.map((r) => ({ kind: detectPromptKind(r) ?? 'other', receivedAt: r.receivedAt }));
    process.stdout.write(`${JSON.stringify({ requests })}\n`);
  } else if (line === 'reset') {
    server.reset();
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  }
});
input.on('close', () => {
  void server.close().then(() => process.exit(0));
});
