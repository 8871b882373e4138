#!/usr/bin/env node
// Writes docs/options.md from the TSDoc of podsafe's option interfaces, so each
// option and its default are stated once, in the source: the summary of each
// member and its `@default` tag. READMEs link to the generated page instead of
// keeping tables of their own.
//
//   node scripts/options-doc.mjs            rewrite docs/options.md
//   node scripts/options-doc.mjs --check    exit 1 when docs/options.md is stale
//   node scripts/options-doc.mjs --stdout   print the page
//
// It refuses (exit 1, with the member to fix) an option without a summary, an
// optional one without `@default`, a required one with `@default`, a default
// repeated in the prose, and an exported `*Options` interface that is neither
// documented here nor in IGNORED. Interfaces are found by name anywhere under
// packages/*/src, so moving a file only changes the path the page shows.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = 'docs/options.md';

/**
 * The interfaces on the page, in order. `usedBy` says where an app passes them;
 * `inherited: true` lists the members of extended interfaces too (SessionOptions
 * shows its per-user index options inline).
 */
const SECTIONS = [
  {
    name: 'SessionOptions',
    inherited: true,
    usedBy: '`session()` from `@podsafe/express` and the Fastify plugin of `@podsafe/fastify` (whose `FastifyPodsafeOptions` is this type)',
  },
  { name: 'SessionCookieOptions', usedBy: 'the `cookie` option of [`SessionOptions`](#sessionoptions)' },
  { name: 'LegacyCookieOptions', usedBy: 'the `legacyCookie` option of [`SessionOptions`](#sessionoptions)' },
  {
    name: 'ExpressSessionOptions',
    usedBy: '`session()` from `@podsafe/express`: every [`SessionOptions`](#sessionoptions) option, plus the ones below',
  },
  {
    name: 'FastifyContextConfig',
    usedBy: "a Fastify route's `config` (`app.get(path, { config: { session: false } }, handler)`), which `@podsafe/fastify` extends",
  },
  { name: 'SessionLifetime', usedBy: '`session.setLifetime(lifetime)`, in every adapter' },
  { name: 'RegenerateOptions', usedBy: '`session.regenerate(options)`, in every adapter' },
  { name: 'DestroyUserSessionsOptions', usedBy: '`session.destroyUserSessions(options)`, in every adapter' },
  { name: 'MemoryStoreOptions', usedBy: '`new MemoryStore(options)` from `@podsafe/core`' },
  {
    name: 'WholeSessionBridgeOptions',
    usedBy:
      '`new ExpressSessionStore(options)` from `@podsafe/express/express-session` and `new FastifySessionStore(options)` from `@podsafe/fastify`',
  },
  { name: 'RedisStoreOptions', usedBy: '`new RedisStore(options)` from `@podsafe/redis`' },
  { name: 'LegacyOptions', usedBy: 'the `legacy` option of [`RedisStoreOptions`](#redisstoreoptions)' },
  { name: 'MigrateOptions', usedBy: '`migrateLegacySessions(options)` from `@podsafe/redis/migrate`' },
  { name: 'MemcachedStoreOptions', usedBy: '`new MemcachedStore(options)` from `@podsafe/memcached`' },
  { name: 'HashRingOptions', usedBy: '`new HashRing(nodes, options)` from `@podsafe/memcached`' },
  { name: 'JwtStoreOptions', usedBy: '`new JwtStore(options)` from `@podsafe/jwt`' },
  { name: 'JwtKey', usedBy: 'each entry of the `keys` option of [`JwtStoreOptions`](#jwtstoreoptions)' },
  { name: 'StoreErrorOptions', usedBy: '`storeErrors(storeName, options)` from `@podsafe/core/store`, for store authors' },
  { name: 'SessionStoreSuiteOptions', usedBy: '`describeSessionStore(name, factory, options)` from `@podsafe/testkit`' },
  { name: 'ClientSessionStoreSuiteOptions', usedBy: '`describeClientSessionStore(name, factory, options)` from `@podsafe/testkit`' },
  { name: 'UserIndexSuiteOptions', usedBy: '`describeUserIndex(name, factory, options)` from `@podsafe/testkit`' },
];

/** Exported `*Options` interfaces that are not on the page, and why. */
const IGNORED = {
  ResolvedOptions: 'options after validation, internal',
  ResolvedJwtOptions: 'options after validation, internal',
  ResolvedLegacyOptions: 'options after validation, internal',
  UserSessionOptions: 'shown inline in SessionOptions, which extends it',
  DestroyByUserOptions: 'an argument of the store contract, passed by the engine, not set by apps',
};

/** Prose that states a default, which belongs in the member's `@default` tag instead. */
const DEFAULT_IN_PROSE = /(^|[.;:(]\s*)Default\b|\(default\b/;

/** TSDoc tags an option may carry; any other `@word` in a comment is a package name that TypeScript reads as a tag. */
const KNOWN_TAGS = new Set(['default', 'defaultValue', 'deprecated', 'example', 'remarks', 'see', 'since']);

/** Every non-test TypeScript source file of the packages under `root`. */
function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    try {
      walk(join(root, 'packages', pkg, 'src'));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return files;
}

/** TSDoc text with `{@link X}` written as code and lines joined, for a table cell. */
function cellText(text) {
  return text
    .replace(/\{@link(?:code|plain)?\s+([^}|\s]+)(?:[\s|]+([^}]*))?\}/g, (_, target, label) => (label ? label : `\`${target}\``))
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Escapes the table separator. */
const cell = (text) => text.replace(/\|/g, '\\|');

function jsDocOf(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter((doc) => ts.isJSDoc(doc));
  const doc = docs[docs.length - 1];
  if (!doc) return { summary: '', tags: [] };
  return {
    summary: cellText(ts.getTextOfJSDocComment(doc.comment) ?? ''),
    tags: (doc.tags ?? []).map((tag) => ({ name: tag.tagName.text, text: cellText(ts.getTextOfJSDocComment(tag.comment) ?? '') })),
  };
}

function typeText(member, sourceFile) {
  let text;
  if (ts.isMethodSignature(member)) {
    const params = member.parameters.map((p) => p.getText(sourceFile)).join(', ');
    text = `(${params}) => ${member.type ? member.type.getText(sourceFile) : 'void'}`;
  } else {
    text = member.type ? member.type.getText(sourceFile) : 'unknown';
  }
  return text.replace(/\s+/g, ' ');
}

/**
 * Builds the page from the sources under `root` (the repository by default); throws
 * an Error listing every problem found. `sections` and `ignored` replace SECTIONS and
 * IGNORED (for the generator's own test).
 */
export function renderOptionsDoc({ root = repoRoot, sections = SECTIONS, ignored = IGNORED } = {}) {
  const problems = [];

  /** name -> [{ node, sourceFile, exported }]; parsing alone is enough, no type checking. */
  const interfaces = new Map();
  for (const path of sourceFiles(root)) {
    const sourceFile = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    // Interfaces inside `declare module` blocks count too: that is how the Fastify route option is declared.
    const statements = sourceFile.statements.flatMap((statement) =>
      ts.isModuleDeclaration(statement) && statement.body && ts.isModuleBlock(statement.body)
        ? [...statement.body.statements]
        : [statement],
    );
    for (const statement of statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      const exported = statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      const list = interfaces.get(statement.name.text) ?? [];
      list.push({ node: statement, sourceFile, exported });
      interfaces.set(statement.name.text, list);
    }
  }

  /** The members of an interface, then those of the interfaces it extends (found by name). */
  const membersWithInherited = (node, sourceFile) => {
    const own = node.members.map((member) => ({ member, sourceFile }));
    const bases = (node.heritageClauses ?? []).flatMap((clause) => clause.types.map((type) => type.expression.getText(sourceFile)));
    return own.concat(
      bases.flatMap((base) => {
        const found = interfaces.get(base) ?? [];
        if (found.length !== 1) {
          problems.push(
            `${node.name.text} extends ${base}: expected one interface of that name under packages/*/src, found ${found.length}.`,
          );
          return [];
        }
        return membersWithInherited(found[0].node, found[0].sourceFile);
      }),
    );
  };

  const documented = new Set(sections.map((section) => section.name));
  for (const [name, list] of interfaces) {
    if (!name.endsWith('Options') || !list.some((found) => found.exported)) continue;
    if (!documented.has(name) && !(name in ignored)) {
      const where = relative(root, list[0].sourceFile.fileName);
      problems.push(
        `${name} (${where}) is an exported options interface missing from docs/options.md: add it to SECTIONS (or IGNORED, with the reason) in scripts/options-doc.mjs.`,
      );
    }
  }

  const out = [];
  out.push('# Options reference', '');
  out.push(
    '<!-- Generated by scripts/options-doc.mjs from the TSDoc of the option interfaces: edit the comments in the source, then run `node scripts/options-doc.mjs`. A test fails while this page is stale. -->',
    '',
  );
  out.push(
    "Every option of podsafe's public API: what it does and its default, as the TSDoc of the",
    'option interfaces states them (the same text an editor shows). Every time is in seconds',
    'and every size in bytes, unless an option says otherwise.',
    '',
  );
  for (const section of sections) out.push(`- [\`${section.name}\`](#${section.name.toLowerCase()}): ${section.usedBy}`);
  out.push('');

  for (const section of sections) {
    const found = interfaces.get(section.name) ?? [];
    if (found.length !== 1) {
      problems.push(`${section.name}: expected one interface of that name under packages/*/src, found ${found.length}.`);
      continue;
    }
    const { node, sourceFile } = found[0];
    const where = relative(root, sourceFile.fileName).split('\\').join('/');
    const doc = jsDocOf(node);
    if (!doc.summary) problems.push(`${section.name} (${where}) has no TSDoc summary.`);
    for (const tag of doc.tags) {
      if (!KNOWN_TAGS.has(tag.name))
        problems.push(
          `${section.name} (${where}): "@${tag.name}" starts a TSDoc tag and cuts the summary short (in editors too): put it in backticks.`,
        );
    }

    const members = section.inherited ? membersWithInherited(node, sourceFile) : node.members.map((member) => ({ member, sourceFile }));

    out.push(`## ${section.name}`, '');
    out.push(`Used by ${section.usedBy}. Declared in \`${where}\`.`, '');
    if (doc.summary) out.push(doc.summary, '');
    out.push('| option | type | default | what it does |', '|---|---|---|---|');
    for (const { member, sourceFile: memberFile } of members) {
      if (!member || !(ts.isPropertySignature(member) || ts.isMethodSignature(member))) continue;
      const name = member.name.getText(memberFile);
      const label = `${section.name}.${name} (${relative(root, memberFile.fileName)})`;
      const memberDoc = jsDocOf(member);
      const defaults = memberDoc.tags.filter((tag) => tag.name === 'default' || tag.name === 'defaultValue');
      const optional = member.questionToken !== undefined;
      if (!memberDoc.summary) problems.push(`${label} has no TSDoc summary: say what it does, with its unit.`);
      if (DEFAULT_IN_PROSE.test(memberDoc.summary)) {
        problems.push(`${label} states a default in its prose: keep the default in its @default tag only.`);
      }
      for (const tag of memberDoc.tags) {
        if (!KNOWN_TAGS.has(tag.name))
          problems.push(`${label}: "@${tag.name}" starts a TSDoc tag and cuts the summary short (in editors too): put it in backticks.`);
      }
      if (optional && defaults.length !== 1) problems.push(`${label} is optional: give it exactly one @default tag (with its unit).`);
      if (!optional && defaults.length > 0) problems.push(`${label} is required: it takes no @default tag.`);
      const defaultText = optional ? (defaults[0]?.text ?? '') : 'required';
      out.push(`| \`${name}\` | \`${cell(typeText(member, memberFile))}\` | ${cell(defaultText)} | ${cell(memberDoc.summary)} |`);
    }
    out.push('');
  }

  if (problems.length > 0) throw new Error(`scripts/options-doc.mjs: fix the TSDoc of these options:\n- ${problems.join('\n- ')}`);
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const mode = process.argv[2];
  let page;
  try {
    page = renderOptionsDoc();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  const path = join(repoRoot, OUTPUT);
  if (mode === '--stdout') process.stdout.write(page);
  else if (mode === '--check') {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // a missing page is a stale page
    }
    if (current !== page) {
      console.error(`${OUTPUT} is stale: run \`node scripts/options-doc.mjs\` and commit the result.`);
      process.exit(1);
    }
  } else {
    writeFileSync(path, page);
    console.log(`wrote ${OUTPUT}`);
  }
}
