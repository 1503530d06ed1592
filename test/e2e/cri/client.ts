// A small CRI client (runtime.v1 over gRPC on a unix socket), as the kubelet
// or crictl would speak to containerd's CRI plugin: the messages are those of
// runtime-v1.proto beside this file, with the CRI's own (snake_case) field
// names; enums come back as their names, int64 as numbers.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

type Message = Record<string, any>;
export type Call = (request: Message, timeoutMs?: number) => Promise<Message>;

export interface CriClient {
  runtime: Record<string, Call>;
  image: Record<string, Call>;
  close(): void;
}

const RUNTIME_RPCS = ['Version', 'Status', 'RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'PodSandboxStatus', 'CreateContainer', 'StartContainer', 'StopContainer', 'RemoveContainer', 'ContainerStatus', 'UpdateContainerResources', 'ExecSync', 'Exec'];
const IMAGE_RPCS = ['ImageStatus'];

export function criClient(socket: string): CriClient {
  const def = protoLoader.loadSync(path.join(__dirname, 'runtime-v1.proto'), { keepCase: true, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const target = `unix://${socket}`;
  const creds = grpc.credentials.createInsecure();
  const rs = new pkg.runtime.v1.RuntimeService(target, creds);
  const is = new pkg.runtime.v1.ImageService(target, creds);
  const wrap = (stub: any, names: string[]): Record<string, Call> =>
    Object.fromEntries(
      names.map((n) => [
        n,
        (request: Message, timeoutMs = 60000) =>
          new Promise<Message>((resolve, reject) => {
            stub[n](request, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, reply: Message) => (err ? reject(new Error(`${n}: ${err.details || err.message}`)) : resolve(reply)));
          }),
      ]),
    );
  return {
    runtime: wrap(rs, RUNTIME_RPCS),
    image: wrap(is, IMAGE_RPCS),
    close: () => {
      rs.close();
      is.close();
    },
  };
}
