// Bundle every widget entry (js/*.js) into ../fviz_widgets/static/<name>.js with esbuild.
// `node build.mjs --check` builds in memory and fails when a committed bundle differs.
import { build } from "esbuild";
import { readdirSync, readFileSync, existsSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "fviz_widgets", "static");
const entries = readdirSync(here).filter((f) => f.endsWith(".js")).map((f) => join(here, f));
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: entries,
  bundle: true,
  format: "esm",
  target: "es2020",
  outdir,
  write: false,
  legalComments: "none",
  logLevel: "warning",
});

let stale = [];
for (const file of result.outputFiles) {
  const name = basename(file.path);
  const current = existsSync(file.path) ? readFileSync(file.path, "utf8") : null;
  if (current === file.text) continue;
  if (check) stale.push(name);
  else {
    mkdirSync(outdir, { recursive: true });
    writeFileSync(file.path, file.text);
    console.log(`wrote fviz_widgets/static/${name}`);
  }
}
const expected = new Set(result.outputFiles.map((f) => basename(f.path)));
const orphans = existsSync(outdir) ? readdirSync(outdir).filter((f) => f.endsWith(".js") && !expected.has(f)) : [];
if (check && (stale.length || orphans.length)) {
  console.error(`stale JS bundles: ${[...stale, ...orphans.map((f) => f + " (no source)")].join(", ")}; run \`make js\` and commit fviz_widgets/static/`);
  process.exit(1);
}
if (check) console.log(`JS bundles up to date (${expected.size})`);
