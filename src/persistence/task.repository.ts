import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PageCursor } from '../common/cursor';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { TaskEntity } from './task.entity';

export type NewTask = Pick<TaskEntity, 'name' | 'description' | 'handler' | 'payload'>;
export type TaskChanges = Partial<NewTask>;

@Injectable()
export class TaskRepository {
  constructor(
    @InjectRepository(TaskEntity, SCOUT_DATA_SOURCE) private readonly tasks: Repository<TaskEntity>,
  ) {}

  /** One `INSERT … RETURNING` (`save` would wrap it in a transaction: three round trips). */
  async create(task: NewTask): Promise<TaskEntity> {
    const entity = this.tasks.create(task);
    // The JSON payload column is typed deeply by TypeORM; the entity is what `save` would take.
    await this.tasks.insert(entity as QueryDeepPartialEntity<TaskEntity>);
    return entity;
  }

  findById(id: string): Promise<TaskEntity | null> {
    return this.tasks.findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<TaskEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.tasks.findBy({ id: In(ids) });
  }

  async exists(id: string): Promise<boolean> {
    return this.tasks.existsBy({ id });
  }

  /** Oldest first, `limit + 1` rows from after the cursor (keyset pagination). */
  listPage(limit: number, after: PageCursor | null): Promise<TaskEntity[]> {
    const query = this.tasks
      .createQueryBuilder('task')
      .orderBy('task.createdAt', 'ASC')
      .addOrderBy('task.id', 'ASC');
    if (after) query.where('(task.createdAt, task.id) > (:at, :id)', { at: after.at, id: after.id });
    return query.take(limit + 1).getMany();
  }

  async update(id: string, changes: TaskChanges): Promise<TaskEntity | null> {
    const task = await this.findById(id);
    if (!task) return null;
    return this.tasks.save(this.tasks.merge(task, changes));
  }

  /** Deletes the task; its schedule goes with it (foreign key), its runs stay. */
  async delete(id: string): Promise<boolean> {
    const result = await this.tasks.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
