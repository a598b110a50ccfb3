// Finds elements through nested shadow roots, as Playwright's test-id locators do. Only tests import this.

export function deepQueryAll(root: ParentNode, selector: string): Element[] {
  const found: Element[] = [...root.querySelectorAll(selector)];
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot !== null) found.push(...deepQueryAll(element.shadowRoot, selector));
  }
  return found;
}

export function byTestId(root: ParentNode, id: string): Element | undefined {
  return deepQueryAll(root, `[data-testid="${id}"]`)[0];
}

/** Waits until every Lit element under `root` has rendered its last update. */
export async function settled(root: ParentNode): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const pending = deepQueryAll(root, '*')
      .map((element) => (element as Partial<{ updateComplete: Promise<unknown> }>).updateComplete)
      .filter((promise) => promise !== undefined);
    await Promise.all(pending);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

export function text(element: Node | null | undefined): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
