import { synthReferenceApp } from './reference-app';

// The cdktf app of cdktf.json: every reference stack, or those named in CDP_STACKS (comma-separated).
try {
  const stacks = process.env.CDP_STACKS
    ? process.env.CDP_STACKS.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  synthReferenceApp({ stacks });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
