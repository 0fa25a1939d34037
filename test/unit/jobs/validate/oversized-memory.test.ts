import { oversizedValidateTest } from './oversized-file.js';

// Regression (audit, defect 4), at 200,000 devices in one installation; the million runs in
// `npm run test:heavy` (test/heavy/oversized.test.ts).
oversizedValidateTest(Number(process.env['S1MIG_OVERSIZED_DEVICES'] ?? 200_000));
