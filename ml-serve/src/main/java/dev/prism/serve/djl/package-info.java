/**
 * Serving DJL models on Prism: {@link dev.prism.serve.djl.DjlModelDeployment}, a ready deployment
 * that loads a model through DJL's {@code Criteria} and predicts concurrent requests in dynamic
 * batches ({@code Predictor.batchPredict}), configured by a {@link
 * dev.prism.serve.djl.DjlModelConfig}; a built-in JSON format over float tensors ({@link
 * dev.prism.serve.djl.TensorTranslator}), or your own DJL translator.
 */
package dev.prism.serve.djl;
