import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Socket inodes a process holds open, from its /proc/<pid>/fd links (`socket:[inode]`). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // The descriptor closed between listing and reading it.
    }
  }
  return inodes;
}

/** Remote port and inode of every TCP socket in this network namespace (/proc/net/tcp, tcp6). */
function tcpSockets(): { remotePort: number; inode: string }[] {
  const rows: { remotePort: number; inode: string }[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const remote = cols[2];
      const inode = cols[9];
      if (!remote || !inode) continue;
      rows.push({ remotePort: Number.parseInt(remote.split(':')[1] ?? '0', 16), inode });
    }
  }
  return rows;
}

/** Open sockets of a process, and how many of them are TCP connections to `remotePort`. */
export function socketCounts(pid: number, remotePort: number): { sockets: number; toPort: number } {
  const mine = socketInodes(pid);
  const toPort = tcpSockets().filter(
    (s) => s.remotePort === remotePort && mine.has(s.inode),
  ).length;
  return { sockets: mine.size, toPort };
}
