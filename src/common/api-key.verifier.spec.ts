import { createHash } from 'node:crypto';
import { ApiKeyVerifier, presentedApiKey } from './api-key.verifier';

const OLD = 'old-key-0123456789abcdef';
const NEW = 'new-key-0123456789abcdef';

describe('ApiKeyVerifier', () => {
  it('accepts each of several keys and nothing else', () => {
    const verifier = new ApiKeyVerifier([OLD, NEW]);
    expect(verifier.enabled).toBe(true);
    expect(verifier.accepts(OLD)).toBe(true);
    expect(verifier.accepts(NEW)).toBe(true);
    for (const wrong of [undefined, '', 'old-key', `${OLD} `, OLD.toUpperCase(), `${OLD},${NEW}`])
      expect(verifier.accepts(wrong)).toBe(false);
  });

  it('takes one string as one key, as before', () => {
    const verifier = new ApiKeyVerifier(OLD);
    expect(verifier.accepts(OLD)).toBe(true);
    expect(verifier.accepts(NEW)).toBe(false);
  });

  it('is disabled without keys, and then accepts anything', () => {
    for (const none of [undefined, '', [], ['']]) {
      const verifier = new ApiKeyVerifier(none);
      expect(verifier.enabled).toBe(false);
      expect(verifier.accepts(undefined)).toBe(true);
    }
  });

  it('names a matched key by its digest, never by the key', () => {
    const verifier = new ApiKeyVerifier([OLD, NEW]);
    expect(verifier.match(NEW)).toBe(createHash('sha256').update(NEW).digest('hex'));
    expect(verifier.match(OLD)).not.toBe(verifier.match(NEW));
    expect(verifier.match('wrong-key-0123456789')).toBeNull();
    expect(verifier.match(undefined)).toBeNull();
  });

  it('reads the key from X-API-Key, or else from Authorization: Bearer', () => {
    expect(presentedApiKey({ 'x-api-key': OLD })).toBe(OLD);
    expect(presentedApiKey({ authorization: `Bearer ${NEW}` })).toBe(NEW);
    expect(presentedApiKey({ authorization: `bearer  ${NEW} ` })).toBe(NEW);
    expect(presentedApiKey({ 'x-api-key': OLD, authorization: `Bearer ${NEW}` })).toBe(OLD);
    expect(presentedApiKey({ authorization: 'Basic Og==' })).toBeUndefined();
    expect(presentedApiKey({ authorization: 'Bearer' })).toBeUndefined();
    expect(presentedApiKey({ authorization: 'Bearer two words' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });
});
