/**
 * Dump sections: text that `dump()` (src/inspect/dump.ts) prints after this
 * thread's tasklets. A layer above core that holds state worth seeing in a
 * dump (a cluster node: the jobs it runs and the jobs it waits on)
 * registers a section; core and inspect need not know that layer, and core
 * imports nothing above itself. Sections are per thread, as runtimes are.
 */

const sections = new Set<() => string>();

/**
 * Adds a section; `render` is called at each dump and returns its text
 * (empty: nothing printed). Returns the function that removes it.
 */
export function addDumpSection(render: () => string): () => void {
  sections.add(render);
  return () => {
    sections.delete(render);
  };
}

/** The text of every section, in the order they were added; a section that throws says so in its place. */
export function renderDumpSections(): string[] {
  const out: string[] = [];
  for (const render of sections) {
    let text: string;
    try {
      text = render();
    } catch (e) {
      text = `(a dump section failed: ${(e as Error)?.message ?? String(e)})\n`;
    }
    if (text !== "") out.push(text.endsWith("\n") ? text : `${text}\n`);
  }
  return out;
}
