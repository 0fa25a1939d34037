import { describe, expect, it } from 'vitest';
import { takeConnectionFlags } from '../../../src/cli/connection-flags.js';

describe('Kafka connection flags as the Kafka tools spell them (issue 12)', () => {
  it('takes --bootstrap-server, --command-config and --schema-registry-url in both forms, up to --', () => {
    expect(takeConnectionFlags(['show', '--bootstrap-server', 'b1:9092,b2:9092', '--json', '--command-config=/etc/s1mig.json', '--schema-registry-url', 'https://sr:8081', '--', '--bootstrap-server', 'x'])).toEqual({
      rest: ['show', '--json', '--', '--bootstrap-server', 'x'],
      env: { S1MIG_KAFKA_BROKERS: 'b1:9092,b2:9092', S1MIG_CONFIG: '/etc/s1mig.json', S1MIG_REGISTRY_URL: 'https://sr:8081' },
      missing: null,
    });
    expect(takeConnectionFlags(['--bootstrap-server'])).toMatchObject({ missing: '--bootstrap-server' });
    expect(takeConnectionFlags(['--bootstrap-server', '--json'])).toMatchObject({ missing: '--bootstrap-server' });
    expect(takeConnectionFlags(['--bootstrap-server='])).toMatchObject({ missing: '--bootstrap-server' });
    expect(takeConnectionFlags(['--bootstrap-servers', 'x'])).toEqual({ rest: ['--bootstrap-servers', 'x'], env: {}, missing: null });
  });
});
