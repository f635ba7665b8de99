package gpbackup.s3plugin.xml;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * A parsed XML element: just enough of a tree to read S3's small response documents.
 * Parsing never resolves DTDs or external entities, whatever the server sends.
 */
public record XmlElement(String name, String text, List<XmlElement> children) {

    /** Parses a whole document and returns its root element. */
    public static XmlElement parse(String xml) {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
        try {
            XMLStreamReader reader = factory.createXMLStreamReader(new StringReader(xml));
            try {
                while (reader.hasNext()) {
                    if (reader.next() == XMLStreamReader.START_ELEMENT) {
                        return readElement(reader);
                    }
                }
            } finally {
                reader.close();
            }
        } catch (XMLStreamException e) {
            throw new IllegalArgumentException("malformed XML: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("XML document has no root element");
    }

    private static XmlElement readElement(XMLStreamReader reader) throws XMLStreamException {
        String name = reader.getLocalName();
        StringBuilder text = new StringBuilder();
        List<XmlElement> children = new ArrayList<>();
        while (reader.hasNext()) {
            switch (reader.next()) {
                case XMLStreamReader.START_ELEMENT -> children.add(readElement(reader));
                case XMLStreamReader.CHARACTERS, XMLStreamReader.CDATA -> text.append(reader.getText());
                case XMLStreamReader.END_ELEMENT -> {
                    // A leaf's text is data (a key may begin or end with spaces); around children it is layout.
                    String value = children.isEmpty() ? text.toString() : text.toString().strip();
                    return new XmlElement(name, value, List.copyOf(children));
                }
                default -> { }
            }
        }
        throw new XMLStreamException("unterminated element " + name);
    }

    /** The first child with this name. */
    public Optional<XmlElement> child(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).findFirst();
    }

    /** The text of the first child with this name, or empty. */
    public Optional<String> childText(String childName) {
        return child(childName).map(XmlElement::text);
    }

    /** Every child with this name, in document order. */
    public List<XmlElement> all(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }
}
