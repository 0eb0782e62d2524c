// Lets ts-jest apply the @nestjs/swagger CLI plugin, so e2e tests see the same OpenAPI document
// as `nest build` produces (the plugin reads DTO types and comments at compile time).
const plugin = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler) =>
  plugin.before(
    { classValidatorShim: true, introspectComments: true, dtoFileNameSuffix: ['.dto.ts'] },
    compiler.program,
  );
