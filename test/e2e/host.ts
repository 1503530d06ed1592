// Helpers of the e2e tests that need no tap test, so that scripts outside
// the test runner (bench/cri.ts, scripts/demo-k8s.ts) can use them too;
// test/e2e/lib.ts re-exports them. Importing tap outside a test would start
// tap's own run (and its timeout) in that script.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO = path.resolve(__dirname, '..', '..');
export const RUNTS = path.join(REPO, 'bin', 'runts');
export const MAKE_ROOTFS = path.join(REPO, 'scripts', 'make-rootfs.sh');

// Every hierarchy the host mounts (v1 controllers, the v2 tree), from the mount table.
export function cgroupMountpoints(): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.push(line.slice(0, sep).split(' ')[4]);
  }
  return out;
}

// Polls cond every interval ms until it holds (true) or timeout ms pass (false).
export async function waitFor(cond: () => boolean, timeout = 5000, interval = 20): Promise<boolean> {
  const end = Date.now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (Date.now() >= end) return false;
    await sleep(interval);
  }
}

// A rootfs as an OCI image layout tarball (one uncompressed layer), for
// `ctr images import`: named `name` (io.containerd.image.name), running
// `cmd` by default.
export function makeOciTar(rootfs: string, out: string, name: string, workDir: string, cmd: string[] = ['sh']): void {
  const dir = path.join(workDir, 'oci');
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const blob = (buf: Buffer) => {
    const hex = createHash('sha256').update(buf).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), buf);
    return { digest: `sha256:${hex}`, size: buf.length };
  };
  const tarOf = (args: string[], what: string) => {
    const r = spawnSync('tar', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar of ${what} failed: ${r.stderr}`);
  };
  const layerTar = path.join(workDir, 'layer.tar');
  tarOf(['-C', rootfs, '--numeric-owner', '-cf', layerTar, '.'], 'the rootfs');
  const layer = blob(fs.readFileSync(layerTar));
  fs.rmSync(layerTar);
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const config = blob(json({
    architecture: arch,
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  }));
  const manifest = blob(json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  }));
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { architecture: arch, os: 'linux' },
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() },
    }],
  }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  tarOf(['-C', dir, '-cf', out, 'oci-layout', 'index.json', 'blobs'], 'the image layout');
  fs.rmSync(dir, { recursive: true, force: true });
}
