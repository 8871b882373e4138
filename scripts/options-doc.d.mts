/** One interface on the options page: its name and where an app passes it. */
export interface OptionsDocSection {
  name: string;
  usedBy: string;
  /** List the members of the interfaces it extends too. */
  inherited?: boolean;
}

/**
 * The options reference (docs/options.md) built from the TSDoc of the option
 * interfaces under `root`/packages/{name}/src. Throws an Error listing every option
 * whose TSDoc is incomplete (no summary, no `@default` on an optional member, a
 * default stated in prose, an unquoted `@word`) and every exported `*Options`
 * interface neither in `sections` nor in `ignored`.
 */
export function renderOptionsDoc(options?: {
  root?: string;
  sections?: readonly OptionsDocSection[];
  ignored?: Readonly<Record<string, string>>;
}): string;
