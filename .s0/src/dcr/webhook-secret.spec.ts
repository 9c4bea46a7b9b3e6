import { secretsEqual, verifyWebhookSecret } from './webhook-secret';

const SECRET = '0123456789abcdef0123456789abcdef';

describe('verifyWebhookSecret', () => {
  it('accepts the secret as "Authorization: Bearer" (any case of the scheme) or as X-Webhook-Secret', () => {
    expect(verifyWebhookSecret({ authorization: `Bearer ${SECRET}` }, SECRET)).toBe('ok');
    expect(verifyWebhookSecret({ authorization: `bearer   ${SECRET} ` }, SECRET)).toBe('ok');
    expect(verifyWebhookSecret({ 'x-webhook-secret': SECRET }, SECRET)).toBe('ok');
    expect(verifyWebhookSecret({ authorization: 'Bearer wrong', 'x-webhook-secret': SECRET }, SECRET)).toBe(
      'ok',
    );
  });

  it('says missing when no secret is presented', () => {
    expect(verifyWebhookSecret({}, SECRET)).toBe('missing');
    expect(verifyWebhookSecret({ authorization: '  ', 'x-webhook-secret': '' }, SECRET)).toBe('missing');
  });

  it('says wrong for another value, another scheme or the bare secret in Authorization', () => {
    expect(verifyWebhookSecret({ authorization: `Bearer ${SECRET}0` }, SECRET)).toBe('wrong');
    expect(verifyWebhookSecret({ authorization: `Basic ${SECRET}` }, SECRET)).toBe('wrong');
    expect(verifyWebhookSecret({ authorization: SECRET }, SECRET)).toBe('wrong');
    expect(verifyWebhookSecret({ 'x-webhook-secret': SECRET.slice(1) }, SECRET)).toBe('wrong');
  });

  it('refuses everything when no secret is configured', () => {
    expect(verifyWebhookSecret({ authorization: `Bearer ${SECRET}` }, undefined)).toBe('not-configured');
    expect(verifyWebhookSecret({ authorization: 'Bearer ' }, '')).toBe('not-configured');
    expect(verifyWebhookSecret({}, undefined)).toBe('not-configured');
  });
});

describe('secretsEqual', () => {
  it('compares values of any length without throwing', () => {
    expect(secretsEqual(SECRET, SECRET)).toBe(true);
    expect(secretsEqual('', SECRET)).toBe(false);
    expect(secretsEqual(`${SECRET}${SECRET}`, SECRET)).toBe(false);
  });
});
