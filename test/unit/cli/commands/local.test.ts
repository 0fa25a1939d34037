import { describe, expect, it } from 'vitest';
import { command } from '../../../../src/cli/commands/local.js';

describe('s1mig local: its options, checked before anything starts', () => {
  it('takes --brokers 1 or 3 with up only, naming the option', async () => {
    await expect(command.run(['up', '--brokers', 'three'])).rejects.toMatchObject({ code: 'USAGE', message: '--brokers must be 1 or 3, got "three"' });
    await expect(command.run(['up', '--brokers', '2'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/--brokers\) must be 1 or 3, got 2/) });
    await expect(command.run(['status', '--brokers', '3'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/--brokers goes with 'local up' only/) });
    await expect(command.run(['down', '--brokers', '3'])).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('says what it is for and the port layout in its usage', () => {
    expect(command.usage).toMatch(/^usage: s1mig local up \| down \| status \[--json\] \[--brokers 1\|3\]/);
    expect(command.usage).toMatch(/node N's Kafka = base\+2N and controller = base\+2N\+1/);
  });
});
