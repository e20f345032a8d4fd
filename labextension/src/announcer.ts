/**
 * The one live region of PyLearn. It is added to the page when the extension starts, empty,
 * so screen readers know it before anything is said in it (a region created with its text
 * already in it is often never read). Everything PyLearn says goes through it: verdicts,
 * hints, the solution, the time limit, the sync state, account messages.
 *
 * The check panel is drawn by the kernel (ipywidgets): each verdict, hint, confirm question
 * and solution carries its sentence in `data-pylearn-announce` with an id of its own in
 * `data-pylearn-id`. The announcer watches the page for such nodes and reads each id out
 * once, so a cell scrolled out of view and back, or a page reload, says nothing again.
 */

export const ANNOUNCER_ID = 'pylearn-announcer';
const ANNOUNCE_ATTR = 'data-pylearn-announce';
const ID_ATTR = 'data-pylearn-id';
const SEEN_KEY = 'pylearn.announced';
/**
 * Sentences kept in the region; older ones are removed (they were read already). Screen
 * readers read only what is added; the few kept let a test, or a curious learner, see
 * what was said after several quick announcements (logging in says three things).
 */
export const KEEP = 10;
const SEEN_MAX = 300;

export class Announcer {
  readonly node: HTMLElement;
  private readonly seen: string[];
  private observer: MutationObserver | null = null;

  constructor(private readonly doc: Document = document) {
    const existing = doc.getElementById(ANNOUNCER_ID);
    this.node = existing ?? doc.createElement('div');
    if (!existing) {
      this.node.id = ANNOUNCER_ID;
      this.node.className = 'pylearn-visually-hidden';
      this.node.setAttribute('role', 'status');
      this.node.setAttribute('aria-live', 'polite');
      this.node.setAttribute('aria-atomic', 'false');
      this.node.setAttribute('aria-relevant', 'additions text');
      doc.body.append(this.node);
    }
    this.seen = this.loadSeen();
  }

  /** Says `message` (politely: it never interrupts). The same words twice are said twice. */
  say(message: string): void {
    const text = message.trim();
    if (!text) {
      return;
    }
    const line = this.doc.createElement('p');
    line.textContent = text;
    this.node.append(line);
    while (this.node.childElementCount > KEEP) {
      this.node.firstElementChild?.remove();
    }
  }

  /** What the region holds now, in order (for tests and debugging). */
  text(): string[] {
    return Array.from(this.node.children).map(child => child.textContent ?? '');
  }

  /** Reads out every announcement node in `root` not read before. */
  scan(root: ParentNode): void {
    const nodes: Element[] = [];
    if (root instanceof Element && root.hasAttribute(ANNOUNCE_ATTR)) {
      nodes.push(root);
    }
    nodes.push(...Array.from(root.querySelectorAll(`[${ANNOUNCE_ATTR}]`)));
    for (const node of nodes) {
      const id = node.getAttribute(ID_ATTR) ?? '';
      if (!id || this.seen.includes(id)) {
        continue;
      }
      this.remember(id);
      this.say(node.getAttribute(ANNOUNCE_ATTR) ?? '');
    }
  }

  /** Starts watching the page for new announcement nodes. */
  watch(root: Node = this.doc.body): void {
    if (this.observer) {
      return;
    }
    this.observer = new MutationObserver(records => {
      for (const record of records) {
        for (const added of Array.from(record.addedNodes)) {
          if (added instanceof Element) {
            this.scan(added);
          }
        }
      }
    });
    this.observer.observe(root, { childList: true, subtree: true });
  }

  dispose(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  private remember(id: string): void {
    this.seen.push(id);
    if (this.seen.length > SEEN_MAX) {
      this.seen.splice(0, this.seen.length - SEEN_MAX);
    }
    try {
      this.doc.defaultView?.sessionStorage.setItem(
        SEEN_KEY,
        JSON.stringify(this.seen)
      );
    } catch {
      // Storage may be unavailable (private mode, quota): then ids are kept for this page only.
    }
  }

  private loadSeen(): string[] {
    try {
      const raw = this.doc.defaultView?.sessionStorage.getItem(SEEN_KEY);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed)
        ? parsed.filter((x): x is string => typeof x === 'string')
        : [];
    } catch {
      return [];
    }
  }
}
