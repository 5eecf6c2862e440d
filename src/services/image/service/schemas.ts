// The schemas Glance publishes at /v2/schemas/* and validates request bodies against. The JSON
// files were generated from Glance's own code (glance.api.v2.*.get_schema(), with the
// schema-image.json Glance ships); only the format enums depend on our configuration.
import imageSchemas from '../schemas/glance-image-schemas.json' with { type: 'json' };
import metadefSchemas from '../schemas/glance-metadef-schemas.json' with { type: 'json' };
import type { JsonSchema } from './json-schema.ts';

export interface Schemas {
  image: JsonSchema;
  all: Record<string, JsonSchema>;
}

const clone = <T>(v: T): T => structuredClone(v);

export function buildSchemas(formats: { disk: string[]; container: string[] }): Schemas {
  const image = clone(imageSchemas.image) as JsonSchema;
  image.properties.disk_format.enum = [null, ...formats.disk];
  image.properties.container_format.enum = [null, ...formats.container];
  const images = clone(imageSchemas.images) as JsonSchema;
  images.properties.images.items = clone(image);
  return {
    image,
    all: {
      image, images,
      member: imageSchemas.member, members: imageSchemas.members,
      task: imageSchemas.task, tasks: imageSchemas.tasks,
      ...(metadefSchemas as Record<string, JsonSchema>),
    },
  };
}
