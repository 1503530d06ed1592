// File access for the cgroup drivers, behind an interface so unit tests can
// run them against a fake tree (regular files in a temporary directory) and
// record every write. Writes are made as the kernel wants them: one write()
// per value, to a file that must exist (never O_CREAT).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CgroupIo {
  write(dir: string, file: string, value: string): void; // throws an errno error
  read(dir: string, file: string): string; // throws an errno error
  exists(dir: string, file: string): boolean;
  // Attach a BPF_PROG_TYPE_CGROUP_DEVICE program (raw instructions) to a
  // cgroup v2 directory, replacing what runts attached before.
  attachDeviceFilter(dir: string, program: Buffer): void;
}

export const realIo: CgroupIo = {
  write(dir, file, value) {
    const fd = fs.openSync(path.join(dir, file), fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    try {
      fs.writeSync(fd, value);
    } finally {
      fs.closeSync(fd);
    }
  },
  read(dir, file) {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  },
  exists(dir, file) {
    return fs.existsSync(path.join(dir, file));
  },
  attachDeviceFilter(dir, program) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { attachDeviceProgram } = require('./bpf') as typeof import('./bpf');
    attachDeviceProgram(dir, program);
  },
};

export interface Write {
  file: string; // the path relative to the tree given to recordingIo
  value: string;
}

// Wraps an io and keeps every write made through it, in order (tests).
export function recordingIo(base: CgroupIo, root: string): CgroupIo & { writes: Write[]; programs: { dir: string; program: Buffer }[] } {
  const writes: Write[] = [];
  const programs: { dir: string; program: Buffer }[] = [];
  return {
    writes,
    programs,
    write(dir, file, value) {
      base.write(dir, file, value);
      writes.push({ file: path.relative(root, path.join(dir, file)), value });
    },
    read: (dir, file) => base.read(dir, file),
    exists: (dir, file) => base.exists(dir, file),
    attachDeviceFilter(dir, program) {
      programs.push({ dir: path.relative(root, dir), program });
    },
  };
}
