// Runs one command as a child process and measures wall time and peak RSS. Peak RSS comes from
// GNU time (`/usr/bin/time -v`, "Maximum resident set size") when it exists, otherwise from
// sampling /proc/<pid>/status VmHWM (the kernel's own high-water mark) every 20 ms.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const GNU_TIME = '/usr/bin/time';
// BENCH_NO_GNU_TIME=1 forces the /proc fallback (to test it on machines that have GNU time).
const hasGnuTime = existsSync(GNU_TIME) && !process.env.BENCH_NO_GNU_TIME;
export const rssMethod = hasGnuTime ? '/usr/bin/time -v' : '/proc/<pid>/status VmHWM';

function vmHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * cpuS is user + system CPU seconds of the child (GNU time only; null with /proc sampling): less
 * sensitive than wall time to other processes competing for the CPUs.
 * @returns {Promise<{code: number|null, wallS: number, cpuS: number|null, peakRssMB: number, stdout: string, stderr: string}>}
 */
export function measure(cmd, args, { env = {}, cwd } = {}) {
  const useTime = hasGnuTime;
  const [file, argv] = useTime ? [GNU_TIME, ['-v', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let sampledKb = 0;
    const timer = useTime ? null : setInterval(() => (sampledKb = Math.max(sampledKb, vmHwmKb(child.pid))), 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      if (timer) clearInterval(timer);
      let kb = sampledKb;
      let cpuS = null;
      if (useTime) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        kb = m ? Number(m[1]) : 0;
        const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
        const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
        if (user && sys) cpuS = Number(user[1]) + Number(sys[1]);
        const ec = /Exit status: (\d+)/.exec(stderr);
        if (ec) code = Number(ec[1]);
        stderr = stderr.replace(/(Command exited with non-zero status \d+\n)?\tCommand being timed:[\s\S]*$/, '');
      }
      resolve({ code, wallS, cpuS, peakRssMB: kb / 1024, stdout, stderr });
    });
  });
}
