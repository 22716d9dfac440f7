// The one line the harness's launcher waits for, so a minimal app starts like a server package.
export function announce(server, name) {
  server.listen({ host: process.env.HOST || '127.0.0.1', port: Number(process.env.PORT || 0) }, () => {
    const { address, port } = server.address();
    process.stdout.write(`${JSON.stringify({ event: 'listening', server: name, host: address, port, pid: process.pid })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}
