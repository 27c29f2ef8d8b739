// Reads digits with the shipped model: one digit per picture (recognize), every number in a picture (detect).
// Usage: node examples/read-digits.mjs [IMAGE…]   (without images: an MNIST 7 and a 4-digit string made of MNIST)
import { data, detect, loadMnist, loadModel, recognize } from 'digits';

const model = await loadModel();
let pictures = process.argv.slice(2);
if (pictures.length === 0) {
  // MNIST test image 0 is a 7, white on black as MNIST stores it; and a string of MNIST test digits on paper.
  const test = loadMnist().test;
  const seven = { width: 28, height: 28, channels: 1, data: test.images.subarray(0, 784) };
  const string = data.digitString(test, 1, { length: 4 });
  console.log(`(the string reads ${string.text})`);
  pictures = [seven, { width: string.width, height: string.height, channels: 1, data: string.data }];
}
for (const picture of pictures) {
  const name = typeof picture === 'string' ? picture : `${picture.width}×${picture.height} pixels`;
  const one = await recognize(model, picture);
  const all = await detect(model, picture);
  const reading = one.isDigit ? `${one.label} (${(one.confidence * 100).toFixed(1)} %)` : `not a digit (${one.reason})`;
  console.log(`${name}: recognize → ${reading}; detect → "${all.text}"`);
}
await model.dispose();
