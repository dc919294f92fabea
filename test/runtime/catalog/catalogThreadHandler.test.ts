import { describe, expect, it } from 'vitest';
import { CatalogThreadHandler } from '../../../runtime/catalog/catalogThreadHandler.ts';
import type { CatalogAnswer, CatalogExchange } from '../../../runtime/catalog/startCatalogServer.ts';

const request = (n: number) => ({
  method: 'POST',
  protocol: 'http:',
  hostname: '127.0.0.1',
  port: 1,
  path: '/',
  query: (n === 0 ? { a: 'b c' } : {}) as Record<string, string>,
  headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.GetItem' },
  body: JSON.stringify({ n }),
});

describe('CatalogThreadHandler (the runtime catalog client’s requests as messages to the catalog thread, issue 20)', () => {
  it('has at most maxInFlight requests with the thread; the rest are sent in the order they came', async () => {
    // Prepare: a thread stand-in that answers only when told, so the handler's queue can be watched
    const sent: CatalogExchange[] = [];
    const answers: ((answer: CatalogAnswer) => void)[] = [];
    let withThread = 0;
    let mostWithThread = 0;
    const handler = new CatalogThreadHandler(
      (exchange) =>
        new Promise<CatalogAnswer>((resolve) => {
          sent.push(exchange);
          mostWithThread = Math.max(mostWithThread, ++withThread);
          answers.push((answer) => {
            withThread--;
            resolve(answer);
          });
        }),
      2,
    );
    // Act: five requests; answer them one at a time as they reach the thread
    const responses = Array.from({ length: 5 }, (_, n) => handler.handle(request(n)));
    for (let answered = 0; answered < 5; answered++) {
      while (answers.length <= answered) await new Promise((resolve) => setImmediate(resolve));
      answers[answered]!({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Buffer.from(`{"n":${answered}}`),
      });
    }
    const bodies = (await Promise.all(responses)).map(({ response }) => Buffer.from(response.body as Uint8Array).toString());
    // Assess
    expect(mostWithThread).toBe(2);
    expect(sent.map((exchange) => JSON.parse(Buffer.from(exchange.body).toString()).n)).toEqual([0, 1, 2, 3, 4]);
    expect(bodies).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      url: '/?a=b+c',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
    });
  });

  it('gives its slot to the next request when the thread refuses one, and passes the refusal on', async () => {
    // Prepare
    let calls = 0;
    const handler = new CatalogThreadHandler(async () => {
      if (calls++ === 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return { statusCode: 200, headers: {}, body: new Uint8Array() };
    }, 1);
    // Act
    const refused = handler.handle(request(1));
    const next = handler.handle(request(2));
    // Assess
    await expect(refused).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(next).resolves.toMatchObject({ response: { statusCode: 200 } });
  });
});
