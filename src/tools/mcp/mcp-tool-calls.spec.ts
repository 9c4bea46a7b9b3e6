import { newActivity, singleToolCall, summarizeMessage } from './mcp-tool-calls';

describe('summarizeMessage', () => {
  it('gives, in one pass over a batch, each message’s metric label, the methods and the tools called, once each', () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'b' } },
      { jsonrpc: '2.0', id: 3, result: {} },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'a' } },
      { jsonrpc: '2.0', id: 5, method: 'x/custom' },
      null,
      [],
    ];

    expect(summarizeMessage(batch)).toEqual({
      labels: ['tools/call', 'notifications/initialized', 'tools/call', 'tools/call', 'other'],
      methods: ['tools/call', 'notifications/initialized', 'x/custom'],
      tools: ['a', 'b'],
    });
  });
});

describe('newActivity', () => {
  it('records the methods and each tool called as not run yet, for the access line', () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ];

    expect(newActivity(summarizeMessage(batch))).toEqual({
      methods: ['tools/call', 'tools/list'],
      tools: [{ name: 'a', outcome: 'not run' }],
    });
  });
});

describe('summarizeMessage: tools', () => {
  it('finds the tool of a single tools/call request', () => {
    expect(
      summarizeMessage({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: {} },
      }).tools,
    ).toEqual(['echo']);
  });

  it('finds every tool called in a batch, once each, and ignores other methods', () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'b' } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'a' } },
    ];

    expect(summarizeMessage(batch).tools).toEqual(['a', 'b']);
  });

  it.each([
    null,
    'text',
    42,
    [null],
    { method: 'tools/call' },
    { method: 'tools/call', params: { name: 7 } },
  ])('finds nothing in a malformed message (%j), left to the SDK to reject', (body) => {
    expect(summarizeMessage(body).tools).toEqual([]);
  });
});

describe('singleToolCall', () => {
  it('finds the id and tool of one tools/call request', () => {
    expect(
      singleToolCall({ jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'echo' } }),
    ).toEqual({
      id: 'x',
      name: 'echo',
    });
  });

  it.each([
    [[{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }]],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    [{ jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo' } }],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }],
  ])('finds none in a batch, another method, a notification or a call without a name (%j)', (body) => {
    expect(singleToolCall(body)).toBeUndefined();
  });
});

describe('summarizeMessage: methods', () => {
  it('lists the methods of a message or a batch once each, in order, skipping malformed messages', () => {
    expect(summarizeMessage({ jsonrpc: '2.0', id: 1, method: 'server/discover' }).methods).toEqual([
      'server/discover',
    ]);
    expect(
      summarizeMessage([
        { jsonrpc: '2.0', id: 1, method: 'tools/call' },
        null,
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { jsonrpc: '2.0', id: 3, method: 'tools/call' },
        { jsonrpc: '2.0', id: 4, method: 7 },
      ]).methods,
    ).toEqual(['tools/call', 'tools/list']);
  });
});
