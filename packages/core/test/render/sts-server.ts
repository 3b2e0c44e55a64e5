import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback AWS STS endpoint speaking the Query API's GetCallerIdentity (POST form
 * `Action=GetCallerIdentity&Version=2011-06-15`, XML answer), driven through the real boto3 client.
 * Who the caller is follows from the access key id in the SigV4 Authorization header, as on AWS.
 */
export class StsServer {
  /** access key id → the ARN GetCallerIdentity names for it */
  readonly identities = new Map<string, string>();
  readonly calls: { action: string; accessKeyId: string }[] = [];
  private server?: Server;

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void body(request).then((text) => {
        const form = new URLSearchParams(text);
        const accessKeyId = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '';
        const action = form.get('Action') ?? '';
        this.calls.push({ action, accessKeyId });
        const arn = this.identities.get(accessKeyId);
        response.setHeader('content-type', 'text/xml');
        if (action !== 'GetCallerIdentity' || form.get('Version') !== '2011-06-15') {
          response.statusCode = 400;
          response.end(error('InvalidAction', `Could not find operation ${action} for version ${form.get('Version') ?? ''}`));
        } else if (!arn) {
          response.statusCode = 403;
          response.end(error('InvalidClientTokenId', 'The security token included in the request is invalid.'));
        } else {
          const account = arn.split(':')[4]!;
          response.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
              `<GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AROA${account}:session</UserId><Account>${account}</Account></GetCallerIdentityResult>` +
              `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          );
        }
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

function error(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
