/** The stylesheet of UI_PRIMARY_COLOR: Pico's primary variables, derived from the one colour. */

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG relative luminance. */
function luminance([r, g, b]: [number, number, number]): number {
  const [lr, lg, lb] = [r, g, b].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
}

function shade(rgb: [number, number, number], factor: number): string {
  return `#${rgb
    .map((c) =>
      Math.round(c * factor)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

export function themeCss(primary: string): string {
  const rgb = channels(primary);
  // The text on a primary button: whichever of white and near-black contrasts more.
  const light = luminance(rgb);
  const inverse = 1.05 / (light + 0.05) >= (light + 0.05) / 0.05 ? '#fff' : '#111';
  const hover = shade(rgb, 0.85);
  const rgba = (alpha: number) => `rgba(${rgb.join(', ')}, ${alpha})`;
  return `/* UI_PRIMARY_COLOR ${primary} */
:root:not([data-theme=dark]), [data-theme=light] {
  --pico-primary: ${primary};
  --pico-primary-background: ${primary};
  --pico-primary-border: ${primary};
  --pico-primary-underline: ${rgba(0.5)};
  --pico-primary-hover: ${hover};
  --pico-primary-hover-background: ${hover};
  --pico-primary-hover-border: ${hover};
  --pico-primary-hover-underline: ${hover};
  --pico-primary-focus: ${rgba(0.35)};
  --pico-primary-inverse: ${inverse};
  --warden-primary-soft: ${rgba(0.08)};
}
`;
}

/** The favicon: the first letter of UI_TITLE on the primary colour. */
export function faviconSvg(title: string, primary: string): string {
  const letter = (title.trim().charAt(0) || 'W').toUpperCase().replace(/[<>&"']/g, '');
  const light = luminance(channels(primary));
  const ink = 1.05 / (light + 0.05) >= (light + 0.05) / 0.05 ? '#fff' : '#111';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${primary}"/><text x="32" y="44" font-family="system-ui,sans-serif" font-size="36" font-weight="700" fill="${ink}" text-anchor="middle">${letter}</text></svg>`;
}
