import { calledToolNames } from './mcp-tool-calls';

describe('calledToolNames', () => {
  it('finds the tool of a single tools/call request', () => {
    expect(
      calledToolNames({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: {} },
      }),
    ).toEqual(['echo']);
  });

  it('finds every tool called in a batch, once each, and ignores other methods', () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'b' } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'a' } },
    ];

    expect(calledToolNames(batch)).toEqual(['a', 'b']);
  });

  it.each([
    null,
    'text',
    42,
    [null],
    { method: 'tools/call' },
    { method: 'tools/call', params: { name: 7 } },
  ])('finds nothing in a malformed message (%j), left to the SDK to reject', (body) => {
    expect(calledToolNames(body)).toEqual([]);
  });
});
