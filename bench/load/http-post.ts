/** One POST over a keep-alive agent, used by the load workers (plain node:http, no fetch overhead). */
import { request as httpRequest, type Agent } from 'node:http';

export function httpPost(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((ok, bad) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', bad);
      },
    );
    req.on('error', bad);
    req.end(body);
  });
}

/** Fails fast when a worker file is run by hand instead of being forked by bench/load/spawn.ts. */
export function requireParent(name: string): NonNullable<typeof process.send> {
  if (!process.send) {
    process.stderr.write(`${name} is a load worker: it is forked by the benchmark (npm run bench), not run on its own\n`);
    process.exit(2);
  }
  return process.send.bind(process);
}
