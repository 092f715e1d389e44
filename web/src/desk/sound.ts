// The desk's sounds (Web Audio): one rising chime for ok, two mid beeps for a warning, a low buzz for rejected; a mute switch remembered on this device.
import type { ScanResult } from '../../../src/contract/index.js';
import { byId } from '../dom.js';

const MUTED_KEY = 'eventday.desk.muted';

/** Tones per result: [frequency Hz, start s, length s], and the waveform. */
const TONES: Record<ScanResult, { wave: OscillatorType; notes: [number, number, number][] }> = {
  ok: { wave: 'sine', notes: [[880, 0, 0.09], [1320, 0.09, 0.14]] },
  warning: { wave: 'triangle', notes: [[660, 0, 0.12], [660, 0.2, 0.12]] },
  rejected: { wave: 'square', notes: [[180, 0, 0.45]] },
};

export class Sounds {
  private context: AudioContext | null = null;
  private muted: boolean;
  private readonly button = byId('mute', HTMLButtonElement);

  constructor() {
    this.muted = window.localStorage.getItem(MUTED_KEY) === 'true';
    this.render();
    this.button.addEventListener('click', () => {
      this.muted = !this.muted;
      window.localStorage.setItem(MUTED_KEY, String(this.muted));
      this.render();
    });
  }

  play(result: ScanResult): void {
    if (this.muted) return;
    try {
      this.context ??= new AudioContext();
      const ctx = this.context;
      void ctx.resume();
      const { wave, notes } = TONES[result];
      for (const [freq, start, length] of notes) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = wave;
        osc.frequency.value = freq;
        const t0 = ctx.currentTime + start;
        // A short fade in and out: a hard start or stop clicks.
        gain.gain.setValueAtTime(0, t0);
        gain.gain.linearRampToValueAtTime(0.25, t0 + 0.01);
        gain.gain.linearRampToValueAtTime(0, t0 + length);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t0);
        osc.stop(t0 + length + 0.02);
      }
    } catch {
      // No audio device: the big result still shows.
    }
  }

  private render(): void {
    this.button.setAttribute('aria-pressed', String(this.muted));
    this.button.dataset.muted = String(this.muted);
    this.button.textContent = this.muted ? 'Sound: off' : 'Sound: on';
  }
}
