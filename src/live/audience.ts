// What each audience receives of a stored event: the contract's payload for that audience, serialised once per audience.
import { eventDef, isEventName } from '../contract/events.js';
import type { Audience } from '../core/vocabulary.js';
import type { EventRecord } from './event-log.js';

function envelope(e: EventRecord, dataJson: string): string {
  return `{"type":"event","seq":${e.seq},"at":${JSON.stringify(new Date(e.at).toISOString())},"topic":${JSON.stringify(e.topic)},"name":${JSON.stringify(e.name)},"data":${dataJson}}`;
}

/**
 * One stored event on its way out: each audience's message is shaped by that audience's schema
 * (a schema is what lets a field through, never a deletion) and built at most once, however
 * many sockets receive it. An event the catalogue does not know goes to admins only, as stored.
 */
export class ShapedEvent {
  private payload: unknown;
  private parsed = false;
  private readonly messages = new Map<Audience, string | null>();

  constructor(readonly record: EventRecord) {}

  message(audience: Audience): string | null {
    let message = this.messages.get(audience);
    if (message === undefined) {
      message = this.build(audience);
      this.messages.set(audience, message);
    }
    return message;
  }

  private build(audience: Audience): string | null {
    const { record } = this;
    if (!isEventName(record.name)) return audience === 'admin' ? envelope(record, record.payloadJson) : null;
    const def = eventDef(record.name);
    const delivery = def.audiences[audience];
    if (!delivery) return null;
    const payload = this.stored();
    if (delivery.when && !delivery.when(payload)) return null;
    // The stored payload passed its schema when it was appended: the same schema needs no second pass.
    if (delivery.schema === def.payload) return envelope(record, record.payloadJson);
    return envelope(record, JSON.stringify(delivery.schema.parse(payload)));
  }

  private stored(): unknown {
    if (!this.parsed) {
      this.payload = JSON.parse(this.record.payloadJson);
      this.parsed = true;
    }
    return this.payload;
  }
}
