// Badges at the desk: fetch the printable SVG with the device token, print it in a window of its own, reissue (reprint) a badge.
import type { AttendeeWire, BadgeWireOut } from '../../../src/contract/index.js';
import type { Desk } from './context.js';

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      if (typeof reader.result === 'string') resolve(reader.result);
      else reject(new Error('could not read the badge'));
    };
    reader.onerror = () => reject(reader.error ?? new Error('could not read the badge'));
    reader.readAsDataURL(blob);
  });
}

/**
 * The badge as a data: image. It is fetched with the auth header (a plain link could not carry it),
 * and data: images are what the page's Content-Security-Policy allows. Null when it cannot be had.
 */
export async function badgeDataUrl(desk: Desk, attendeeId: string): Promise<string | null> {
  try {
    return await blobToDataUrl(await desk.api.blob(`/api/attendees/${encodeURIComponent(attendeeId)}/badge.svg`));
  } catch {
    return null;
  }
}

/** Every earlier code of the attendee stops working. */
export function reissueBadge(desk: Desk, attendeeId: string): Promise<BadgeWireOut> {
  return desk.api.api<BadgeWireOut>(`/api/attendees/${encodeURIComponent(attendeeId)}/badge`, { method: 'POST' });
}

/** Opens the print window; call it inside the click, so that pop-up blockers let it through. */
export function openPrintWindow(): Window | null {
  return window.open('', 'eventday-badge', 'popup,width=640,height=900');
}

/**
 * Fills the print window with the badge and prints it. Answers the badge's data URL when there
 * was no window to print in (blocked), so the page can show it instead; null otherwise.
 */
export async function printBadge(desk: Desk, a: Pick<AttendeeWire, 'id' | 'name'>, win: Window | null): Promise<string | null> {
  const url = await badgeDataUrl(desk, a.id);
  if (!url) {
    win?.close();
    desk.say(`Could not fetch the badge of ${a.name}.`);
    return null;
  }
  if (!win || win.closed) {
    desk.say('The print window was blocked: allow pop-ups for this page, or print the badge shown here.');
    return url;
  }
  const doc = win.document;
  doc.title = `Badge: ${a.name}`;
  doc.body.style.margin = '0';
  const img = doc.createElement('img');
  img.alt = `Badge for ${a.name}`;
  img.style.width = '100%';
  img.style.display = 'block';
  img.addEventListener('load', () => {
    win.focus();
    win.print();
  });
  win.addEventListener('afterprint', () => win.close());
  img.src = url;
  doc.body.replaceChildren(img);
  return null;
}
