// p-limit 7.3.3 (index.js + index.d.ts) converted to TypeScript. Its one dependency,
// yocto-queue, is vendored as ./queue.ts.
import Queue from './queue';

export interface LimitFunction {
	/** The number of promises that are currently running. */
	readonly activeCount: number;
	/** The number of promises that are waiting to run (i.e. their internal `fn` was not called yet). */
	readonly pendingCount: number;
	/** Get or set the concurrency limit. */
	concurrency: number;
	/** Discard pending promises that are waiting to run. */
	clearQueue: () => void;
	/** Process an iterable of inputs with limited concurrency. */
	map: <Input, ReturnType>(
		iterable: Iterable<Input>,
		mapperFunction: (input: Input, index: number) => PromiseLike<ReturnType> | ReturnType,
	) => Promise<ReturnType[]>;
	<Arguments extends unknown[], ReturnType>(
		function_: (...arguments_: Arguments) => PromiseLike<ReturnType> | ReturnType,
		...arguments_: Arguments
	): Promise<ReturnType>;
}

export interface Options {
	/** Concurrency limit. Minimum: `1`. */
	readonly concurrency: number;
	/** Reject pending promises with an `AbortError` when `clearQueue()` is called. @default false */
	readonly rejectOnClear?: boolean;
}

interface QueueItem {
	reject: (reason?: unknown) => void;
	run?: () => void;
}

type AnyFunction = (...arguments_: any[]) => unknown;

export default function pLimit(options: number | Options): LimitFunction {
	let concurrency: number;
	let rejectOnClear: unknown = false;

	if (typeof options === 'object') {
		({ concurrency, rejectOnClear = false } = options);
	} else {
		concurrency = options;
	}

	validateConcurrency(concurrency);

	if (typeof rejectOnClear !== 'boolean') {
		throw new TypeError('Expected `rejectOnClear` to be a boolean');
	}

	const queue = new Queue<QueueItem>();
	let activeCount = 0;

	const resumeNext = (): void => {
		// Process the next queued function if we're under the concurrency limit
		if (activeCount < concurrency && queue.size > 0) {
			activeCount++;
			queue.dequeue()?.run?.();
		}
	};

	const next = (): void => {
		activeCount--;
		resumeNext();
	};

	const run = async (function_: AnyFunction, resolve: (value: unknown) => void, arguments_: unknown[]): Promise<void> => {
		// Execute the function and capture the result promise
		const result = (async () => function_(...arguments_))();

		// Resolve immediately with the promise (don't wait for completion)
		resolve(result);

		// Wait for the function to complete (success or failure); the caller still sees a rejection.
		try {
			await result;
		} catch {}

		next();
	};

	const enqueue = (function_: AnyFunction, resolve: (value: unknown) => void, reject: (reason?: unknown) => void, arguments_: unknown[]): void => {
		const queueItem: QueueItem = { reject };

		// Queue the internal resolve function instead of the run function
		// to preserve the asynchronous execution context.
		new Promise<void>((internalResolve) => {
			queueItem.run = internalResolve;
			queue.enqueue(queueItem);
		}).then(run.bind(undefined, function_, resolve, arguments_));

		// Start processing immediately if we haven't reached the concurrency limit
		if (activeCount < concurrency) {
			resumeNext();
		}
	};

	const generator = ((function_: AnyFunction, ...arguments_: unknown[]): Promise<unknown> => new Promise<unknown>((resolve, reject) => {
		enqueue(function_, resolve, reject, arguments_);
	})) as LimitFunction;

	Object.defineProperties(generator, {
		activeCount: {
			get: () => activeCount,
		},
		pendingCount: {
			get: () => queue.size,
		},
		clearQueue: {
			value() {
				if (!rejectOnClear) {
					queue.clear();
					return;
				}

				const abortError: unknown = AbortSignal.abort().reason;

				while (queue.size > 0) {
					queue.dequeue()?.reject(abortError);
				}
			},
		},
		concurrency: {
			get: () => concurrency,

			set(newConcurrency: number) {
				validateConcurrency(newConcurrency);
				concurrency = newConcurrency;

				queueMicrotask(() => {
					while (activeCount < concurrency && queue.size > 0) {
						resumeNext();
					}
				});
			},
		},
		map: {
			async value<Input, ReturnType>(iterable: Iterable<Input>, function_: (input: Input, index: number) => PromiseLike<ReturnType> | ReturnType) {
				const promises: Array<Promise<ReturnType>> = [];

				try {
					Array.from(iterable, (value, index) => {
						const promise = generator(function_, value, index);
						promises.push(promise);
						return promise;
					});
				} catch (error) {
					// The iterable threw: observe the already scheduled promises to avoid unhandled rejections.
					for (const promise of promises) {
						promise.catch(() => {});
					}

					throw error;
				}

				return Promise.all(promises);
			},
		},
	});

	return generator;
}

export function limitFunction<Arguments extends unknown[], ReturnType>(
	function_: (...arguments_: Arguments) => PromiseLike<ReturnType> | ReturnType,
	options: number | Options,
): ((...arguments_: Arguments) => Promise<ReturnType>) & { clearQueue: () => void } {
	const limit = pLimit(options);

	const limitedFunction = (...arguments_: Arguments) => limit(() => function_(...arguments_));
	Object.defineProperty(limitedFunction, 'clearQueue', {
		value: limit.clearQueue,
	});

	return limitedFunction as typeof limitedFunction & { clearQueue: () => void };
}

function validateConcurrency(concurrency: unknown): asserts concurrency is number {
	if (!((Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY) && (concurrency as number) > 0)) {
		throw new TypeError('Expected `concurrency` to be a number from 1 and up');
	}
}
