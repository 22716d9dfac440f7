import net from 'node:net';

/** True for addresses on this machine only: 127.0.0.0/8, ::1, and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.split('.')[0] === '127';
  if (net.isIPv6(host)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
    if (mapped?.[1]) return isLoopbackHost(mapped[1]);
    return /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(host);
  }
  return false;
}
