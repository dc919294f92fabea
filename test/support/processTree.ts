import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** State, parent and process group of a process, or undefined when it is gone. */
function processStat(pid: number): { ppid: number; pgid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** A live process as /proc tells it (zombies left out). */
export interface LiveProcess {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

/** Pids of the live processes that `matches`, read straight from /proc. */
export function liveProcesses(matches: (process: LiveProcess) => boolean): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) return [];
    const stat = processStat(pid);
    if (!stat || stat.state === 'Z') return [];
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return [];
    }
    return matches({ pid, ppid: stat.ppid, pgid: stat.pgid, cmdline }) ? [pid] : [];
  });
}

export function isAlive(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The pid and every live descendant of it, read from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = processStat(pid);
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (!isAlive(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function decodeAddress(hex: string, v6: boolean): string {
  const [address, port] = hex.split(':') as [string, string];
  if (!v6) {
    const bytes = address
      .match(/../g)!
      .map((byte) => parseInt(byte, 16))
      .reverse();
    return `${bytes.join('.')}:${parseInt(port, 16)}`;
  }
  // /proc/net/tcp6 prints the address as four little-endian 32-bit words.
  const words = address.match(/.{8}/g)!.map((word) => word.match(/../g)!.reverse().join(''));
  const groups = words
    .join('')
    .match(/.{4}/g)!
    .map((group) => group.replace(/^0+(?=.)/, ''));
  return `[${groups.join(':')}]:${parseInt(port, 16)}`;
}

/** Listening TCP sockets (address:port) owned by the given processes, from /proc/net/tcp and tcp6. */
export function listeningSockets(pids: number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match) inodes.add(match[1]!);
      } catch {
        // fd closed while we looked
      }
    }
  }
  const sockets: string[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state] = fields;
      const inode = fields[9];
      if (state === '0A' && inode && inodes.has(inode)) sockets.push(decodeAddress(local!, v6));
    }
  }
  return sockets;
}

/** True for 127.0.0.0/8 and ::1 (also the IPv4-mapped loopback). */
export function isLoopback(socket: string): boolean {
  return /^127\./.test(socket) || socket.startsWith('[0:0:0:0:0:0:0:1]') || /^\[0:0:0:0:0:ffff:7f/i.test(socket);
}
