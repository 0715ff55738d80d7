// forge expects a native solc; none is installable offline here, so this shim answers the two
// calls forge makes (--version and --standard-json) with solc-js (WebAssembly) from the npm registry.
const { createRequire } = require('node:module');
const solc = createRequire(__filename)('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  const v = solc.version(); // e.g. 0.8.30+commit.73712a01.Emscripten.clang
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${v.replace('.Emscripten.clang', '.Linux.g++')}\n`,
  );
  process.exit(0);
}
if (args.includes('--standard-json')) {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const fs = require('node:fs');
    const path = require('node:path');
    const allowed = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--allow-paths' || args[i] === '--base-path' || args[i] === '--include-path') {
        for (const p of String(args[i + 1] ?? '').split(',')) if (p) allowed.push(path.resolve(p));
      }
    }
    const findImports = (p) => {
      const candidates = [path.resolve(p), ...allowed.map((base) => path.resolve(base, p))];
      for (const c of candidates) {
        if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
      }
      return { error: `File not found: ${p}` };
    };
    process.stdout.write(solc.compile(JSON.stringify(input), { import: findImports }));
  });
} else {
  process.stderr.write(`solc shim: unsupported arguments: ${args.join(' ')}\n`);
  process.exit(1);
}
