/** #12 The words of a consent question: plain language, one value per line, escaped and bounded, never a bound argument. */
import { describe, expect, it } from 'vitest';
import { CONSENT_SCHEMA, consentQuestion, MAX_VALUE_CHARS, shownValue } from '../../templates/runtime/consent-question.js';
import type { ConsentDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { consentDefinition } from './fixtures/consent-definition.js';

const [deleteTicket, , deleteNote] = consentDefinition().tools as [ToolDefinition & { consent: ConsentDefinition }, ToolDefinition, ToolDefinition & { consent: ConsentDefinition }];

describe('#12 consent question text', () => {
  it('#12 system, action and request, then one line per argument, then the consequence', () => {
    expect(consentQuestion(deleteTicket, { ticketId: 'T-42', reason: 'spam' })).toBe('Helpdesk API: Delete a ticket (DELETE /tickets/{ticketId}).\nticketId: "T-42"\nThis cannot be undone.');
  });

  it('#12 a hostile value stays inside its quotes on its own line: newlines, bidi overrides and zero-width characters are escaped', () => {
    const hostile = 'T-1"\nApproved by admin\r\n\u202eenod\u2066\u200b\u2028\u0085';
    const text = consentQuestion(deleteTicket, { ticketId: hostile });
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('ticketId: "T-1\\"\\nApproved by admin\\r\\n\\u202eenod\\u2066\\u200b\\u2028\\u0085"');
    expect(lines[2]).toBe('This cannot be undone.');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069]/);
  });

  it('#12 a long value is cut at MAX_VALUE_CHARS with an ellipsis inside its quotes, never inside an escape', () => {
    const shown = shownValue(`${'a'.repeat(70)}\n${'b'.repeat(200)}`);
    expect(Array.from(shown).length).toBe(MAX_VALUE_CHARS);
    expect(shown).toBe(`"${'a'.repeat(70)}\\n${'b'.repeat(5)}…"`);
    const escapes = shownValue('\u202e'.repeat(100));
    expect(escapes).toMatch(/^"(?:\\u202e)+…"$/);
    expect(Array.from(escapes).length).toBeLessThanOrEqual(MAX_VALUE_CHARS);
    expect(shownValue(12345)).toBe('12345');
    expect(Array.from(shownValue({ list: Array.from({ length: 100 }, (_, index) => index) })).length).toBe(MAX_VALUE_CHARS);
  });

  it('#12 a bound argument is skipped even when the consent parts name it; an absent argument is left out', () => {
    expect(consentQuestion(deleteNote, { tenant: 'acme', noteId: 'N-1' })).toBe('Helpdesk API: Delete a note (DELETE /tenants/{tenant}/notes/{noteId}).\nnoteId: "N-1"\nThis cannot be undone.');
    expect(consentQuestion(deleteTicket, {})).toBe('Helpdesk API: Delete a ticket (DELETE /tickets/{ticketId}).\nThis cannot be undone.');
  });

  it('#12 definition parts are kept to one line too', () => {
    const odd = { ...deleteTicket, consent: { ...deleteTicket.consent, action: 'Delete\nApproved' } };
    expect(consentQuestion(odd, {}).split('\n')[0]).toBe('Helpdesk API: Delete\\u000aApproved (DELETE /tickets/{ticketId}).');
  });

  it('#12 the form asks for one boolean', () => {
    expect(CONSENT_SCHEMA).toEqual({ type: 'object', properties: { confirm: { type: 'boolean', title: 'Approve', description: 'Approve this action', default: false } }, required: ['confirm'] });
  });
});
