// Progress reporting for long verbs: a cli-progress bar on a terminal, plain lines otherwise (logs
// of batch jobs should not fill with carriage returns).

import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, fields: Record<string, string>): void;
  stop(): void;
}

export function progress(total: number, label: string, fieldsFormat: string, every = 50): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      format: `${label} [{bar}] {value}/{total} ${fieldsFormat} eta {eta_formatted}`, stream: process.stderr, hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { update: (done, fields) => bar.update(done, fields), stop: () => bar.stop() };
  }
  const t0 = Date.now();
  return {
    update(done, fields) {
      if (done % every !== 0 && done !== total) return;
      const line = fieldsFormat.replace(/\{(\w+)\}/g, (_, k: string) => fields[k] ?? "");
      process.stderr.write(`${label} ${done}/${total} ${line} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    },
    stop() {},
  };
}
