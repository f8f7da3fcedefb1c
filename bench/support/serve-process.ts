/** The benchmarks' `data-pipeline serve --port 0` processes: the address they print once listening. */
import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/** Resolves with the URL of the "listening on <url>" line `serve` prints on stderr (piped). */
export function listeningUrl(child: ChildProcess, timeoutMs = 60_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stderr as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/[^\s)]+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}
