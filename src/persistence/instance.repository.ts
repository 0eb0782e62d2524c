import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { InstanceEntity } from './instance.entity';
import { SCOUT_DATA_SOURCE } from './scout-data-source';

@Injectable()
export class InstanceRepository {
  constructor(
    @InjectRepository(InstanceEntity, SCOUT_DATA_SOURCE)
    private readonly instances: Repository<InstanceEntity>,
  ) {}

  async register(instance: Omit<InstanceEntity, 'stoppedAt'>): Promise<void> {
    await this.instances.insert({ ...instance, stoppedAt: null });
  }

  async heartbeat(id: string, at: Date): Promise<void> {
    await this.instances.update({ id }, { heartbeatAt: at });
  }

  async markStopped(id: string, at: Date): Promise<void> {
    await this.instances.update({ id }, { stoppedAt: at, heartbeatAt: at });
  }

  findAll(): Promise<InstanceEntity[]> {
    return this.instances.find({ order: { startedAt: 'ASC' } });
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.instances.delete(ids);
  }
}
