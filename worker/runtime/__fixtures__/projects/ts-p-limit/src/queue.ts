// yocto-queue 1.2.2 (index.js) converted to TypeScript: a generic class with typed nodes.
/*
How it works:
`this.#head` is an instance of `Node` which keeps track of its current value and nests another
instance of `Node` that keeps the value that comes after it. Saving a reference to the last value
as `this.#tail` makes `.enqueue()` O(1).
*/

class Node<ValueType> {
	value: ValueType;
	next: Node<ValueType> | undefined;

	constructor(value: ValueType) {
		this.value = value;
	}
}

export default class Queue<ValueType> implements Iterable<ValueType> {
	#head: Node<ValueType> | undefined;
	#tail: Node<ValueType> | undefined;
	#size = 0;

	constructor() {
		this.clear();
	}

	/** Add a value to the queue. */
	enqueue(value: ValueType): void {
		const node = new Node(value);

		if (this.#head && this.#tail) {
			this.#tail.next = node;
			this.#tail = node;
		} else {
			this.#head = node;
			this.#tail = node;
		}

		this.#size++;
	}

	/** Remove the next value in the queue and return it, or `undefined` when empty. */
	dequeue(): ValueType | undefined {
		const current = this.#head;
		if (!current) {
			return;
		}

		this.#head = current.next;
		this.#size--;

		// Clean up tail reference when queue becomes empty
		if (!this.#head) {
			this.#tail = undefined;
		}

		return current.value;
	}

	/** Get the next value in the queue without removing it. */
	peek(): ValueType | undefined {
		return this.#head?.value;
	}

	/** Clear the queue. */
	clear(): void {
		this.#head = undefined;
		this.#tail = undefined;
		this.#size = 0;
	}

	/** The size of the queue. */
	get size(): number {
		return this.#size;
	}

	* [Symbol.iterator](): Iterator<ValueType> {
		let current = this.#head;

		while (current) {
			yield current.value;
			current = current.next;
		}
	}

	/** Returns an iterator that dequeues items as you consume it. */
	* drain(): Generator<ValueType | undefined, void, unknown> {
		while (this.#head) {
			yield this.dequeue();
		}
	}
}
