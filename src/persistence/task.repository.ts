import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PageCursor } from '../common/cursor';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { TaskEntity } from './task.entity';
import { PreparedStatement } from './prepared-statement';

export type NewTask = Pick<TaskEntity, 'name' | 'description' | 'handler' | 'payload'>;
export type TaskChanges = Partial<NewTask>;

const UPDATE_TASK = new PreparedStatement<TaskEntity>(
  'scout_update_task',
  `UPDATE task SET name = CASE WHEN $2 THEN $3 ELSE name END,
                   description = CASE WHEN $4 THEN $5 ELSE description END,
                   handler = CASE WHEN $6 THEN $7 ELSE handler END,
                   payload = CASE WHEN $8 THEN $9::jsonb ELSE payload END,
                   updated_at = now()
    WHERE id = $1
   RETURNING id, name, description, handler, payload, created_at AS "createdAt", updated_at AS "updatedAt"`,
);

@Injectable()
export class TaskRepository {
  constructor(
    @InjectRepository(TaskEntity, SCOUT_DATA_SOURCE) private readonly tasks: Repository<TaskEntity>,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
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

  /**
   * Applies the given fields in one `UPDATE … RETURNING` (`save` read the row back and wrapped
   * the write in a transaction: four round trips); null if there is no such task. Only the fields
   * given are written, so two edits of different fields do not undo each other.
   */
  async update(id: string, changes: TaskChanges): Promise<TaskEntity | null> {
    const given = (field: keyof TaskChanges) => changes[field] !== undefined;
    const [row] = await UPDATE_TASK.run(this.dataSource, [
      id,
      given('name'),
      changes.name ?? null,
      given('description'),
      changes.description ?? null,
      given('handler'),
      changes.handler ?? null,
      given('payload'),
      changes.payload == null ? null : JSON.stringify(changes.payload),
    ]);
    return row ? Object.assign(new TaskEntity(), row) : null;
  }
}
