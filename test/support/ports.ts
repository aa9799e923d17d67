/**
 * Ports for processes a test starts, below the kernel's range of ephemeral
 * ports. A process stopped and started again on the same port must find it
 * free, and any outgoing connection (to PostgreSQL, to a simulator) takes a
 * free port of the ephemeral range as its own local port: a port picked there
 * (`listen(0)`) can be taken between a stop and the restart (EADDRINUSE).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const portsFrom = 20_000;

/** The first port the kernel hands out to outgoing connections (Linux's ip_local_port_range; 32768 elsewhere). */
function ephemeralPortsFrom(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > portsFrom + 1_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** A free port followed by `count - 1` free ones (the simulators and the mail catcher take consecutive ports). */
export async function freePortRun(count: number): Promise<number> {
  const isFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (let tries = 0; tries < 100; tries += 1) {
    const first = portsFrom + Math.floor(Math.random() * (ephemeralPortsFrom() - portsFrom - count));
    let all = true;
    for (let offset = 0; offset < count && all; offset += 1) all = await isFree(first + offset);
    if (all) return first;
  }
  throw new Error(`no run of ${count} free ports found`);
}
