import { Construct } from 'constructs';
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection';
import { isIntIn, validateProps } from '../core/validation';

/** Props of {@link PrivateServiceAccess}. */
export interface PrivateServiceAccessProps {
  /** The VPC network, as `projects/<p>/global/networks/<n>` (or its self link). */
  readonly network: string;
  /** Project of the range. @default the provider's project */
  readonly project?: string;
  /** Name of the allocated range: lowercase letters, digits and '-', at most 63. @default `<network name>-private-services` */
  readonly rangeName?: string;
  /** Prefix length of the range Google's services get their addresses from, 8 to 24. @default 16 */
  readonly prefixLength?: number;
  /** First address of the range. @default Google picks a free range of the network */
  readonly address?: string;
}

/**
 * Private Services Access on a VPC network, which Cloud SQL needs before it can give an instance
 * a private IP: an allocated internal range (`google_compute_global_address`, purpose
 * `VPC_PEERING`) and the peering with `servicenetworking.googleapis.com` that uses it
 * (`google_service_networking_connection`). Without it, creating a private-IP instance fails.
 *
 * It is one per network and service: create it in the stack that owns the network, once, and give
 * it to every {@link CloudSqlSourceDatabase} on that network (`privateServiceAccess`), which then
 * waits for the peering (the provider's docs ask for that explicit dependency). When the network
 * team already set it up, pass `privateServiceAccess: 'existing'` instead: creating a second
 * connection on a network that has one fails, and forcing its ranges would drop the ranges other
 * services use.
 *
 * The connection is abandoned, not deleted, on destroy (`deletion_policy = "ABANDON"`): the API
 * refuses to delete it while Cloud SQL still holds addresses in the range.
 */
export class PrivateServiceAccess extends Construct {
  /** The network. */
  public readonly network: string;
  /** The allocated range. */
  public readonly range: ComputeGlobalAddress;
  /** The peering with Google's service producers; private-IP instances depend on it. */
  public readonly connection: ServiceNetworkingConnection;

  constructor(scope: Construct, id: string, props: PrivateServiceAccessProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { network: 'string' });
    this.network = props.network;
    const networkName = props.network.split('/').pop() ?? props.network;
    const rangeName = props.rangeName ?? `${networkName}-private-services`.slice(0, 63).replace(/-+$/, '');
    const prefixLength = props.prefixLength ?? 16;
    validateProps(this, (p) => {
      p.check(
        /^(https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/[^/]+\/global\/networks\/[a-z]([-a-z0-9]*[a-z0-9])?$/.test(props.network),
        'network',
        props.network,
        'projects/<project>/global/networks/<name> or its self link',
      );
      p.check(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(rangeName), 'rangeName', rangeName, "1-63 lowercase letters, digits or '-', starting with a letter");
      p.check(isIntIn(prefixLength, 8, 24), 'prefixLength', prefixLength, 'an integer from 8 to 24 (Cloud SQL needs at least a /24 range)');
    });
    this.range = new ComputeGlobalAddress(this, 'range', {
      name: rangeName,
      project: props.project,
      purpose: 'VPC_PEERING',
      addressType: 'INTERNAL',
      prefixLength,
      address: props.address,
      network: props.network,
    });
    this.connection = new ServiceNetworkingConnection(this, 'connection', {
      network: props.network,
      service: 'servicenetworking.googleapis.com',
      reservedPeeringRanges: [this.range.name],
      deletionPolicy: 'ABANDON',
    });
  }
}
