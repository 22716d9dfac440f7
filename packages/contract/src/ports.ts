import net from 'node:net';

/**
 * A TCP port free on `host` now, for a program that cannot be given port 0 (PostgreSQL, Locust's
 * master): the kernel picks it, the probe lets it go. Another process could take it in between.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host, port: 0 }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
