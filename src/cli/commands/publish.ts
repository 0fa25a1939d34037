import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { chunkPublisher, publishMcf } from '../../jobs/publish/publish-file.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';
import { progressLine } from '../render/progress.js';
import { inputPath } from '../../adapters/fs/stream-input.js';

const USAGE = 'usage: s1mig publish FILE...|- [--chunk-size BYTES] [--key FILE_KEY] [--config FILE] [--json]';

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      'chunk-size': { type: 'string' }, key: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false },
    } });
    if (positionals.length === 0) throw new S1migError('USAGE', USAGE);
    if (positionals.filter((p) => p === '-').length > 1) throw new S1migError('USAGE', 'standard input (-) can be read once');
    if (values.key !== undefined && positionals.length > 1) throw new S1migError('USAGE', '--key applies to one FILE only');
    const chunkSize = values['chunk-size'] === undefined ? undefined : Number(values['chunk-size']);
    const config = await connectedConfig(values.config);
    const { producer, topic } = chunkPublisher(config);
    await producer.connect();
    try {
      const results = [];
      for (const path of positionals) {
        const show = progressLine(`publishing ${path}`, 'MB', { enabled: !values.json, format: (bytes) => (bytes / 1e6).toFixed(1) });
        const input = await inputPath(path);
        let r;
        try {
          r = await publishMcf(producer, topic, input.path, {
            ...(chunkSize !== undefined ? { chunkSize } : {}),
            ...(values.key !== undefined ? { fileKey: values.key } : {}),
            onProgress: (sent, total) => show.update(sent, total),
          });
        } finally {
          show.clear();
          input.dispose();
        }
        results.push({ file: path, ...r });
        if (!values.json) process.stdout.write(`${path}: published as ${r.fileKey} (${r.chunks} chunks, ${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}...) to ${topic}\n`);
      }
      if (values.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      return 0;
    } finally {
      await producer.disconnect();
    }
  },
};
