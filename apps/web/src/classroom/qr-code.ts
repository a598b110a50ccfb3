// A QR code as one SVG path, from the qrcode package's module matrix: no canvas and no inline style, which the
// page's CSP forbids, and crisp at any size on a projector.
import { create } from 'qrcode';

export interface QrPath {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** A path of unit squares, one per dark module, offset by the 4-module quiet zone. */
  d: string;
}

/** Modules of light margin around the code, as the QR standard asks. */
export const QUIET_ZONE = 4;

export function qrPath(text: string): QrPath {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (modules.get(row, column)) parts.push(`M${column + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return { size: modules.size, d: parts.join('') };
}
