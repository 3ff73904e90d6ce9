/**
 * Recipe loading: YAML → validated, frozen `Recipe`, the recipe JSON Schema, the
 * recipe hash, algorithm name resolution and the path/containment rules other layers re-check.
 */

export {
  ALGORITHM_ALIASES,
  ALGORITHM_NAME_SOURCE,
  CANONICAL_ALGORITHMS,
  type CanonicalAlgorithm,
  caseFold,
  resolveAlgorithmName,
  unknownAlgorithmMessage,
} from './algorithms.js';
export {
  describeJsonSchema,
  FIELD_REQUIRED,
  type JsonSchemaObject,
  jsonSchemaOverride,
  laxBool,
  laxFloat,
  laxInt,
  patternString,
} from './coerce.js';
export { checkOutputContainment, checkRecipeContainment, isWithin, realpathLenient } from './containment.js';
export {
  type DirectoryLoadOptions,
  type LenientRecipeResult,
  loadRecipesDirectory,
  loadRecipesDirectoryLenient,
} from './directory.js';
export { isBlacklistedEnvName } from './env.js';
export { type EventStoreLocation, eventStoreProblem, resolveEventStore } from './events-store.js';
export { canonicalJson, recipeHash } from './hash.js';
export { type RecipeIssue, toRecipeIssues } from './issues.js';
export { recipeJsonSchema, sourceConfigDefName } from './json-schema.js';
export { type LoadRecipeOptions, loadRecipe, loadRecipeText } from './loader.js';
export { validateForFilesystem } from './name.js';
export {
  checkInputPath,
  checkOutputPath,
  localPathOf,
  networkScheme,
  percentDecode,
  type SplitUrl,
  splitUrl,
} from './paths.js';
export { NAME_PATTERN, SHA256_PATTERN, sha256Field } from './schema.js';
export type {
  ConfigSchemaLike,
  Recipe,
  RecipeCleansing,
  RecipeColumns,
  RecipeEvents,
  RecipeItemMetadata,
  RecipeOutput,
  RecipePromotionGate,
  RecipeServing,
  RecipeSplit,
  RecipeTraining,
  SourceConfig,
  SourceTypeInfo,
  SourceTypeLookup,
} from './types.js';
export { validateRecipeData } from './validate.js';
export type { SourcePosition } from './yaml.js';
export { IntegralFloat } from './yaml-tags.js';
