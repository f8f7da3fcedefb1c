/**
 * The web console: a single-page app in `web/`, bundled by esbuild when the server starts (in
 * memory, a fraction of a second) and served at `/` by this server, so there is no build step to
 * forget and no second server. It uses only the public API.
 */
import { randomBytes } from 'node:crypto';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));

export interface ConsoleAssets {
  html: string;
  script: string;
  styles: string;
}

let bundled: Promise<ConsoleAssets> | undefined;

/** Bundles the console once per process (every server of a test process shares it). */
export function consoleAssets(): Promise<ConsoleAssets> {
  bundled ??= (async () => {
    const result = await build({
      entryPoints: [path.join(WEB_DIR, 'src', 'main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      minify: true,
      sourcemap: false,
      logLevel: 'silent',
    });
    const script = result.outputFiles[0]?.text ?? '';
    const [html, styles] = await Promise.all([readFile(path.join(WEB_DIR, 'index.html'), 'utf8'), readFile(path.join(WEB_DIR, 'app.css'), 'utf8')]);
    return { html, script, styles };
  })();
  bundled.catch(() => (bundled = undefined));
  return bundled;
}

/** Paths the console is served under; public like the API documentation (the API itself is not). */
export const CONSOLE_ROUTES = ['/', '/assets/app.js', '/assets/app.css'] as const;

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const assets = await consoleAssets();
  const noStore = { 'cache-control': 'no-cache' };
  // Only our own script and styles run; API calls go to this origin.
  // The SQL editor (CodeMirror) writes its styles at run time: they carry a nonce, fresh per page.
  // Style attributes are allowed: the browser's own editing inside the editor writes them (typing
  // over a selection), and CodeMirror redraws its content after. An attribute cannot run script,
  // and the console never builds markup from data.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .headers({
        ...noStore,
        'content-security-policy': `default-src 'self'; style-src 'self' 'nonce-${nonce}'; style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
      })
      .type('text/html; charset=utf-8')
      .send(assets.html.replace('</head>', `  <meta name="dp-style-nonce" content="${nonce}" />\n  </head>`));
  });
  app.get('/assets/app.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(noStore).type('text/javascript; charset=utf-8').send(assets.script),
  );
  app.get('/assets/app.css', { schema: { hide: true } }, async (_request, reply) => reply.headers(noStore).type('text/css; charset=utf-8').send(assets.styles));
}
