// A small element builder: text goes in as text nodes (never as HTML), so nothing a key's
// description or alias holds can become markup.

type Child = Node | string | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

export const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
