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
