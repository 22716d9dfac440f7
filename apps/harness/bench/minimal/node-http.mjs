// node:http as its documentation writes a server: the floor for the node-http server's per-request cost.
import http from 'node:http';
import { announce } from './ready.mjs';

const server = http.createServer((req, res) => {
  if (req.url === '/hello') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Hello');
    return;
  }
  res.writeHead(404);
  res.end();
});
announce(server, 'node-http (minimal)');
