// `npm run generate`: regenerates gen/ from proto/ — TypeScript and Rust code
// through buf.gen.yaml, then the descriptor set the engine serves over gRPC
// reflection (from the same compilation, so they cannot disagree).
import { ensureNodeModules } from './lib/install.mjs';
import { run } from './lib/processes.mjs';

export const DESCRIPTOR_SET_PATH = 'gen/rust/src/generated/quire_descriptor.binpb';

export async function generate() {
  await ensureNodeModules();
  await run('buf', ['generate']);
  await run('buf', ['build', 'proto', '--as-file-descriptor-set', '--exclude-source-info', '-o', DESCRIPTOR_SET_PATH]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  generate().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
