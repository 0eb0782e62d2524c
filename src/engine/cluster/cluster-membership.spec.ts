import { ClusterMembership } from './cluster-membership.service';
import type { InstanceIdentity } from './instance-identity';

describe('ClusterMembership', () => {
  const identity = { id: 'b' } as unknown as InstanceIdentity;

  it('knows no peer count before the first heartbeat counted the instances', () => {
    const membership = new ClusterMembership(identity);
    expect(membership.otherInstances).toBeNull();
    expect(membership.partition).toEqual({ count: 1, index: 0 });
  });

  it('counts the other live instances, this one included once whether listed or not', () => {
    const membership = new ClusterMembership(identity);
    membership.update(['c', 'a']);
    expect(membership.otherInstances).toBe(2);
    expect(membership.partition).toEqual({ count: 3, index: 1 });
    membership.update(['b']);
    expect(membership.otherInstances).toBe(0);
    expect(membership.partition).toEqual({ count: 1, index: 0 });
  });
});
